//! A "now" that moves on its own, for relative times ("due in 3 h", "overdue by 2 days"):
//! a ticket turns overdue on an open page without anyone writing anything.

use leptos::prelude::*;

/// How often relative times are brought up to date (they are shown to the minute).
const TICK: std::time::Duration = std::time::Duration::from_secs(15);

/// The page's clock: the server's time when it read the page's data, moving on with the
/// browser's clock (so a server on a test clock, or a browser clock that is off, still
/// counts from the server's "now").
#[derive(Clone, Copy)]
pub struct Clock {
    tick: RwSignal<u64>,
    /// Server time minus browser time, learnt from the first data the page shows.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    offset: StoredValue<Option<i64>>,
}

/// Made once, in the frame around every page.
pub fn provide_clock() -> Clock {
    let clock = Clock {
        tick: RwSignal::new(0),
        offset: StoredValue::new(None),
    };
    // Effects run in the browser only.
    Effect::new(move || {
        let handle = set_interval_with_handle(move || clock.tick.update(|t| *t += 1), TICK).ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    });
    provide_context(clock);
    clock
}

impl Clock {
    /// Now, on the server's clock. `server_now` is when the server read the data shown:
    /// the answer on the server, and at first in the browser (so hydration renders the
    /// same text), which then moves on with its own clock.
    pub fn now(&self, server_now: i64) -> i64 {
        self.tick.track();
        #[cfg(feature = "hydrate")]
        {
            let local = js_sys::Date::now() as i64;
            let offset = self.offset.get_value().unwrap_or_else(|| {
                let offset = server_now - local;
                self.offset.set_value(Some(offset));
                offset
            });
            local + offset
        }
        #[cfg(not(feature = "hydrate"))]
        server_now
    }
}

/// The page's clock, if the frame made one (pages rendered alone in tests: none).
pub fn use_clock() -> Option<Clock> {
    use_context()
}
