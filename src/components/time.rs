use crate::time::UtcTime;
use leptos::prelude::*;

/// A point in time for people, with the machine-readable value alongside. The server
/// renders it in UTC (it cannot know the viewer's zone); once hydrated it shows the
/// viewer's local time, in the same format, with UTC in its tooltip.
#[component]
pub fn Time(ms: i64, #[prop(optional)] date_only: bool) -> impl IntoView {
    let t = UtcTime::from_ms(ms);
    // Built once: a list page shows fifty of these, and each string costs (callgrind).
    let full = t.display();
    let shown = if date_only { t.date() } else { full.clone() };
    let text = RwSignal::new(shown);
    // Effects run only in the browser, after hydration: the first render matches the
    // server's HTML, then the text turns local.
    Effect::new(move || {
        if let Some(local) = local_time(ms) {
            let local = if date_only {
                local.date()
            } else {
                local.display()
            };
            text.set(local.replace(" UTC", ""));
        }
    });
    view! { <time datetime=t.iso() title=full>{move || text.get()}</time> }
}

/// `ms` in the browser's time zone (the offset of that moment, so summer time counts).
pub fn local_time(_ms: i64) -> Option<UtcTime> {
    #[cfg(feature = "hydrate")]
    {
        let offset_min = js_sys::Date::new(&(_ms as f64).into()).get_timezone_offset();
        Some(UtcTime::from_ms(_ms - (offset_min as i64) * 60_000))
    }
    #[cfg(not(feature = "hydrate"))]
    None
}
