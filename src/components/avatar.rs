use super::html::{attr, text};
use leptos::{either::Either, prelude::*};

/// The user's picture, or their initials when they have none or it cannot load.
/// Decorative: the name is always written next to it, so screen readers skip it.
///
/// The picture lies over the initials and hides itself if it fails: an inline handler, so
/// it works before the page is hydrated (the WASM loads late) and leaves the DOM as the
/// server rendered it.
#[component]
pub fn Avatar(#[prop(into)] name: String, url: Option<String>) -> impl IntoView {
    match url {
        Some(url) => Either::Left(view! {
            <span class="avatar avatar-frame" aria-hidden="true">
                <span class="avatar avatar-initials">{initials(&name)}</span>
                <img class="avatar" src=url alt="" width="32" height="32" referrerpolicy="no-referrer"
                    onerror="this.hidden=true"/>
            </span>
        }),
        None => Either::Right(view! {
            <span class="avatar avatar-initials" aria-hidden="true">{initials(&name)}</span>
        }),
    }
}

/// `Avatar`'s markup as text (see `html`), for regions written as HTML.
pub fn avatar_html(out: &mut String, name: &str, url: Option<&str>) {
    match url {
        Some(url) => {
            // In the component's order (Leptos writes `class` last), so the test below can
            // hold the two to the same bytes.
            out.push_str(r#"<span aria-hidden="true" class="avatar avatar-frame"><span class="avatar avatar-initials">"#);
            text(out, &initials(name));
            out.push_str(r#"</span><img src=""#);
            attr(out, url);
            out.push_str(r#"" alt="" width="32" height="32" referrerpolicy="no-referrer" onerror="this.hidden=true" class="avatar"></span>"#);
        }
        None => {
            out.push_str(r#"<span aria-hidden="true" class="avatar avatar-initials">"#);
            text(out, &initials(name));
            out.push_str("</span>");
        }
    }
}

fn initials(name: &str) -> String {
    let mut parts = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|p| !p.is_empty());
    let first = parts.next().and_then(|p| p.chars().next());
    let second = parts.next().and_then(|p| p.chars().next());
    let letters: String = match (first, second) {
        (Some(a), Some(b)) => [a, b].into_iter().collect(),
        (Some(_), None) => name
            .chars()
            .filter(|c| c.is_alphanumeric())
            .take(2)
            .collect(),
        _ => "?".into(),
    };
    letters.to_uppercase()
}

#[cfg(test)]
mod tests {
    /// The text version is the component's markup exactly.
    #[cfg(feature = "ssr")]
    #[test]
    fn the_written_avatar_is_the_components_markup() {
        use leptos::prelude::*;
        for url in [Some("https://example.com/a.png?x=1&y=\"2\""), None] {
            let owner = Owner::new();
            let component = owner.with(|| {
                view! { <super::Avatar name="ann <lee>" url=url.map(String::from)/> }.to_html()
            });
            let mut written = String::new();
            super::avatar_html(&mut written, "ann <lee>", url);
            assert_eq!(written, component.replace("<!>", ""), "{url:?}");
        }
    }

    #[test]
    fn initials() {
        assert_eq!(super::initials("ann.lee"), "AL");
        assert_eq!(super::initials("bob"), "BO");
        assert_eq!(super::initials("..."), "?");
    }
}
