use leptos::prelude::*;

/// Await this in a `Suspend` before building a large view from data that is already loaded.
///
/// On the server, a `<Suspense>`/`<Transition>` walks its children up to twice before it
/// renders them (`dry_resolve`, to register resource reads), and each walk re-runs the
/// children closure and polls the new `Suspend` once: when the data are ready, the whole view
/// is built and then thrown away. Yielding once here makes those single polls stop before
/// the view, so it is built once, for the render. Measured with callgrind on the ticket list
/// (10,000 tickets, admin): the filter bar was built three times per request and the table
/// 1.5 times. In the browser nothing is walked twice and hydration must find the view at
/// once, so this does nothing there.
pub async fn past_dry_runs() {
    #[cfg(feature = "ssr")]
    tokio::task::yield_now().await;
}

/// False on the server and while hydrating, true once the page is interactive (effects run
/// only in the browser). For what needs JavaScript to work, and for `LocalResource`s: read
/// on the server inside a `<Transition>`, one has that boundary's local-only notice sent
/// after the boundary has resolved, and Leptos then writes a warning to stderr, once per
/// staff ticket page before this was used there.
pub fn hydrated() -> ReadSignal<bool> {
    let (hydrated, set) = signal(false);
    Effect::new(move || set.set(true));
    hydrated
}
