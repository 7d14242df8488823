use super::html::attr;
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

/// The `Time` component's markup as text (see `html`), for regions written as HTML; the
/// browser turns it local with `localize_times`.
pub fn time_html(out: &mut String, ms: i64, date_only: bool) {
    let t = UtcTime::from_ms(ms);
    let full = t.display();
    out.push_str(r#"<time datetime=""#);
    out.push_str(&t.iso());
    out.push_str(r#"" title=""#);
    attr(out, &full);
    out.push_str(r#"">"#);
    out.push_str(&if date_only { t.date() } else { full });
    out.push_str("</time>");
}

/// What `Time` does once hydrated, for the `time_html`s under `root`.
#[cfg(feature = "hydrate")]
pub fn localize_times(root: &web_sys::Element, date_only: bool) {
    for el in super::html::elements(root, "time[datetime]") {
        let Some(iso) = el.get_attribute("datetime") else {
            continue;
        };
        let ms = js_sys::Date::parse(&iso);
        if ms.is_finite()
            && let Some(local) = local_time(ms as i64)
        {
            let local = if date_only {
                local.date()
            } else {
                local.display()
            };
            el.set_text_content(Some(&local.replace(" UTC", "")));
        }
    }
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::prelude::*;

    /// The text version is the component's markup exactly.
    #[test]
    fn the_written_time_is_the_components_markup() {
        let ms = 1_796_388_296_207;
        for date_only in [false, true] {
            let owner = Owner::new();
            let component = owner.with(|| view! { <super::Time ms date_only/> }.to_html());
            let mut written = String::new();
            super::time_html(&mut written, ms, date_only);
            assert_eq!(written, component.replace("<!>", ""));
        }
    }
}
