use leptos::{either::Either, prelude::*};

/// The user's picture, or their initials when they have none. Decorative: the name is
/// always written next to it, so screen readers skip it.
#[component]
pub fn Avatar(#[prop(into)] name: String, url: Option<String>) -> impl IntoView {
    match url {
        Some(url) => Either::Left(view! {
            <img class="avatar" src=url alt="" width="32" height="32" referrerpolicy="no-referrer"/>
        }),
        None => Either::Right(view! {
            <span class="avatar avatar-initials" aria-hidden="true">{initials(&name)}</span>
        }),
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
    #[test]
    fn initials() {
        assert_eq!(super::initials("ann.lee"), "AL");
        assert_eq!(super::initials("bob"), "BO");
        assert_eq!(super::initials("..."), "?");
    }
}
