//! Variant B: router with two routes and <A> links, one Resource from a #[server] fn
//! returning a small serde struct shown in <Suspense>, one <ActionForm> bound to a
//! ServerAction (PostUrl, the default) with two String fields, leptos_meta <Title>.
//! Variant C (feature "c") adds the Extra component: five differently-typed views erased
//! with .into_any(), and a LocalResource.
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    components::{A, Route, Router, Routes},
    path,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Info {
    pub id: u32,
    pub name: String,
    pub count: u64,
}

#[server]
pub async fn get_info() -> Result<Info, ServerFnError> {
    Ok(Info {
        id: 1,
        name: "floor".to_string(),
        count: 42,
    })
}

#[server]
pub async fn save_note(title: String, body: String) -> Result<(), ServerFnError> {
    let _ = (title, body);
    Ok(())
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="floor"/>
        <Router>
            <nav>
                <A href="/">"Home"</A>
                " "
                <A href="/other">"Other"</A>
            </nav>
            <main>
                <Routes fallback=|| "Not found.">
                    <Route path=path!("") view=HomePage/>
                    <Route path=path!("/other") view=OtherPage/>
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    let info = Resource::new(|| (), |_| get_info());
    view! {
        <h1>"Home"</h1>
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                info.await.map(|i| view! { <p>{i.id} ": " {i.name} " (" {i.count} ")"</p> })
            })}
        </Suspense>
        {extra()}
    }
}

#[cfg(not(feature = "c"))]
fn extra() -> impl IntoView {}

#[cfg(feature = "c")]
fn extra() -> impl IntoView {
    view! { <Extra/> }
}

#[component]
fn OtherPage() -> impl IntoView {
    let save = ServerAction::<SaveNote>::new();
    let value = save.value();
    view! {
        <h1>"Other"</h1>
        <ActionForm action=save>
            <input type="text" name="title"/>
            <input type="text" name="body"/>
            <input type="submit" value="Save"/>
        </ActionForm>
        <p>
            {move || value.get().map(|r| match r {
                Ok(()) => "Saved.",
                Err(_) => "Error.",
            })}
        </p>
    }
}

#[cfg(feature = "c")]
#[component]
fn Extra() -> impl IntoView {
    let (n, set_n) = signal(0u32);
    // Runs only in the browser (not during SSR/hydration), so it is a second,
    // client-only use of the same server fn.
    let local = LocalResource::new(move || {
        let _ = n.get();
        get_info()
    });
    let shown = move || match n.get() % 5 {
        0 => view! { <p class="zero">"zero"</p> }.into_any(),
        1 => view! { <ul><li>"one"</li><li>{n.get()}</li></ul> }.into_any(),
        2 => view! { <span title="two">{format!("two {}", n.get())}</span> }.into_any(),
        3 => view! { <table><tr><td>"three"</td><td>{n.get() * 3}</td></tr></table> }.into_any(),
        _ => view! { <div><strong>"four"</strong><em>{move || n.get().to_string()}</em><input type="checkbox" checked=true/></div> }.into_any(),
    };
    view! {
        <button on:click=move |_| set_n.update(|n| *n += 1)>"next"</button>
        {shown}
        <Suspense fallback=|| "...">
            {move || Suspend::new(async move {
                local.await.map(|i| view! { <b>{i.name}</b> })
            })}
        </Suspense>
    }
}
