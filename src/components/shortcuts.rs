//! Single-key keyboard shortcuts: never while typing in a field, never with Ctrl, Alt or
//! Meta held, and only for people who leave them on (My account; WCAG 2.1.4).

use leptos::{portal::Portal, prelude::*};

/// Calls `on_key` with the key of each keydown that may be a shortcut while this component
/// lives; when it answers true the key is taken (its default action prevented). `enabled`
/// is asked each time (the signed-in person's preference). Browser only.
pub fn use_shortcuts(
    enabled: impl Fn() -> bool + 'static,
    on_key: impl Fn(&str) -> bool + 'static,
) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() {
                return;
            }
            if typing(&ev) || !enabled() {
                return;
            }
            if on_key(&ev.key()) {
                ev.prevent_default();
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (enabled, on_key);
}

/// The key was pressed in a field (or anything editable): it is text, not a shortcut.
#[cfg(feature = "hydrate")]
fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.closest("[contenteditable]").ok().flatten().is_some()
        })
}

/// Every shortcut, as the help panel lists them.
pub const SHORTCUTS: [(&str, &str); 7] = [
    ("j / k", "Ticket list: the next / previous ticket"),
    ("Enter", "Ticket list: open the chosen ticket"),
    (
        "x",
        "Ticket list (staff): tick the chosen ticket for a bulk change",
    ),
    ("a", "Ticket list (staff): assign the chosen ticket to me"),
    ("r", "Ticket page: write a comment"),
    ("i", "Ticket page (staff): write an internal note"),
    ("?", "Show or hide this list"),
];

/// The list of shortcuts, opened with `?` (and from its button in the page footer, so it
/// can be found without knowing the key).
#[component]
pub fn ShortcutHelp(enabled: Signal<bool>) -> impl IntoView {
    let open = RwSignal::new(false);
    use_shortcuts(
        move || enabled.get_untracked(),
        move |key| match key {
            "?" => {
                open.update(|o| *o = !*o);
                true
            }
            "Escape" if open.get_untracked() => {
                open.set(false);
                true
            }
            _ => false,
        },
    );
    // Shortcuts need JavaScript, so the panel is drawn in the browser only, at the end of
    // the body: no server page pays for it (it was 2 % of a list page's render, callgrind),
    // and hydration, which may pause for a lazily loaded page, never meets it.
    view! {
        <Portal>
            <div class="shortcut-help card" role="dialog" aria-modal="false"
                aria-labelledby="shortcut-help-heading" hidden=move || !open.get()>
                <h2 id="shortcut-help-heading">"Keyboard shortcuts"</h2>
                <table>
                    <tbody>
                        {SHORTCUTS.iter().map(|(keys, what)| view! {
                            <tr><th scope="row"><kbd>{*keys}</kbd></th><td>{*what}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="hint">"Not while typing in a field. Turn them off on "<a href="/account">"My account"</a>"."</p>
                <button type="button" class="btn" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </Portal>
    }
}
