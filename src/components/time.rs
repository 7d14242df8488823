use crate::time::UtcTime;
use leptos::prelude::*;

/// A point in time for people, with the machine-readable value alongside.
#[component]
pub fn Time(ms: i64, #[prop(optional)] date_only: bool) -> impl IntoView {
    let t = UtcTime::from_ms(ms);
    let text = if date_only { t.date() } else { t.display() };
    view! { <time datetime=t.iso() title=t.display()>{text}</time> }
}
