//! The browser side of live updates: one `EventSource` per signed-in tab, and signals that
//! pages fold into their resources' keys so they refetch when something they show changed.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    /// Not signed in, or before the client has started (also the server-rendered state).
    Off,
    Connecting,
    Live,
    /// The connection dropped; the browser is retrying. Pages refetch once it is back.
    Reconnecting,
}

#[derive(Clone, Copy)]
pub struct Live {
    pub state: RwSignal<LiveState>,
    /// Bumped on every change: (a counter, the ticket's number, or None for "anything may
    /// have changed", after a reconnect or a backlog overflow).
    pub last: RwSignal<(u64, Option<String>)>,
}

impl Live {
    /// Moves whenever any visible ticket may have changed (for lists).
    pub fn any(self) -> u64 {
        self.last.get().0
    }

    /// Moves only when the ticket `number` (or everything) may have changed.
    pub fn ticket(self, number: impl Fn() -> String + Send + Sync + 'static) -> Memo<u64> {
        Memo::new(move |prev: Option<&u64>| {
            let (n, which) = self.last.get();
            match which {
                Some(no) if no != number() => prev.copied().unwrap_or(0),
                _ => n,
            }
        })
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn bump(self, which: Option<String>) {
        self.last.update(|(n, last)| {
            *n += 1;
            *last = which;
        });
    }
}

pub fn use_live() -> Live {
    expect_context::<Live>()
}

/// Provides the live signals, and in the browser keeps an event stream open while
/// `signed_in` is true.
pub fn provide_live(signed_in: Signal<bool>) -> Live {
    let live = Live {
        state: RwSignal::new(LiveState::Off),
        last: RwSignal::new((0, None)),
    };
    provide_context(live);
    #[cfg(feature = "hydrate")]
    browser::connect_while(live, signed_in);
    #[cfg(not(feature = "hydrate"))]
    let _ = signed_in;
    live
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{Live, LiveState};
    use crate::live::TicketChange;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{EventSource, MessageEvent};

    /// The open stream and the callbacks it calls (dropped together).
    struct Stream {
        source: EventSource,
        _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
        _on_error: Closure<dyn FnMut(web_sys::Event)>,
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    pub fn connect_while(live: Live, signed_in: Signal<bool>) {
        let stream = StoredValue::new_local(None::<Stream>);
        Effect::new(move || {
            let on = signed_in.get();
            stream.set_value(None);
            live.state.set(LiveState::Off);
            if on {
                stream.set_value(open(live));
            }
        });
    }

    fn open(live: Live) -> Option<Stream> {
        let source = EventSource::new("/api/events").ok()?;
        live.state.set(LiveState::Connecting);
        let listen = |name: &str, f: Box<dyn FnMut(MessageEvent)>| {
            let handler = Closure::wrap(f);
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            handler
        };
        let handlers = vec![
            listen(
                "ready",
                Box::new(move |_| {
                    // Back after a drop: whatever happened meanwhile must be fetched.
                    if live.state.get_untracked() == LiveState::Reconnecting {
                        live.bump(None);
                    }
                    live.state.set(LiveState::Live);
                }),
            ),
            listen(
                "ticket",
                Box::new(move |e: MessageEvent| {
                    let change = e
                        .data()
                        .as_string()
                        .and_then(|s| serde_json::from_str::<TicketChange>(&s).ok());
                    live.bump(change.map(|c| c.service_request_no));
                }),
            ),
            listen("resync", Box::new(move |_| live.bump(None))),
        ];
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            live.state.set(LiveState::Reconnecting);
        });
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(Stream {
            source,
            _handlers: handlers,
            _on_error: on_error,
        })
    }
}

/// "Live" while changes stream in, "Reconnecting…" while the browser retries.
#[component]
pub fn LiveIndicator(live: Live) -> impl IntoView {
    // try_get: in a server render whose request is gone the state is already disposed.
    let state = move || live.state.try_get().unwrap_or(LiveState::Off);
    let label = move || match state() {
        LiveState::Live => Some("Live"),
        LiveState::Reconnecting => Some("Reconnecting…"),
        LiveState::Off | LiveState::Connecting => None,
    };
    view! {
        <span class=move || format!("live live-{:?}", state()).to_lowercase()
            role="status" title="Lists and conversations update by themselves">
            <span class="live-text">{label}</span>
        </span>
    }
}
