//! `/dashboard`: the admins' landing page. Its tiles and charts are drawn on the server
//! (`charts.rs`) and arrive as HTML: nothing on the page is interactive beyond its links,
//! and drawing them in the browser cost the WASM client 25 KB gzip (measured), over the
//! 20 KB the issue allows. Any ticket change anywhere redraws it, like the ticket list.

use super::api::load_dashboard;
use crate::auth::Guard;
use crate::{
    components::{LoadError, past_dry_runs},
    live::use_live,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let live = use_live();
    // Made outside the Guard: see `Guard` for why.
    let board = Resource::new(move || live.any(), |_| load_dashboard());
    view! {
        <Title text="Dashboard"/>
        <Guard admin=true>
            <main id="main" tabindex="-1" class="page dashboard">
                <h1>"Dashboard"</h1>
                <Transition fallback=|| view! { <p>"Loading the dashboard…"</p> }>
                    {move || Suspend::new(async move {
                        let board = board.await;
                        past_dry_runs().await;
                        match board {
                            // Drawn by the server from our own components, text escaped.
                            Ok(html) => view! { <div class="board" inner_html=html></div> }.into_any(),
                            Err(error) => view! { <LoadError error/> }.into_any(),
                        }
                    })}
                </Transition>
            </main>
        </Guard>
    }
}
