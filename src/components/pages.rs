use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the HTTP status of a server-rendered page (a no-op in the browser).
fn set_status(_code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(code)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(_code),
    ) {
        res.set_status(code);
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <MessagePage status=404 title="Page not found" text="There is nothing at this address."
            link=("/", "Back to the home page")/>
    }
}

/// A page that only explains something, with the HTTP status it stands for.
#[component]
pub fn MessagePage(
    status: u16,
    title: &'static str,
    text: &'static str,
    link: (&'static str, &'static str),
) -> impl IntoView {
    set_status(status);
    view! {
        <Title text=title/>
        <main id="main" tabindex="-1" class="page narrow">
            <h1>{title}</h1>
            <p>{text}</p>
            <p><a href=link.0>{link.1}</a></p>
        </main>
    }
}
