//! The dashboard's server function, admins only: the board drawn as HTML (see pages.rs).

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{charts, db},
    crate::{
        auth::guard::require_admin,
        base::{
            context::pool,
            db::{now_ms, per_database, writes},
        },
        time::Day,
    },
    std::{
        sync::{Arc, Mutex},
        time::{Duration, Instant},
    },
};

#[server(endpoint = "load_dashboard")]
pub async fn load_dashboard() -> Result<String, AppError> {
    require_admin().await?;
    let pool = pool()?;
    let now = now_ms();
    // The board takes some 60 ms at a million tickets, and every open dashboard asks again
    // on each live change: it is kept while nothing was written (and for a minute at most,
    // for changes made by another process or to the lists' names) and within one day.
    let key = (writes(&pool), Day::of_ms(now));
    let kept: Kept = per_database(&pool);
    if let Some(html) = kept.get(key) {
        return Ok(html);
    }
    let html = charts::board_html(db::dashboard(&pool, now).await?);
    kept.set(key, html.clone());
    Ok(html)
}

/// What a board was drawn from: the database's write count, and the day.
#[cfg(feature = "ssr")]
type BoardKey = (u64, Day);

/// The last board drawn, when, and from what.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
struct Kept(Arc<Mutex<Option<(BoardKey, Instant, String)>>>);

#[cfg(feature = "ssr")]
impl Kept {
    const FOR: Duration = Duration::from_secs(60);

    fn get(&self, key: BoardKey) -> Option<String> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match &*kept {
            Some((k, at, html)) if *k == key && at.elapsed() < Self::FOR => Some(html.clone()),
            _ => None,
        }
    }

    /// `key` was read before the board was drawn: a write meanwhile leaves it behind.
    fn set(&self, key: BoardKey, html: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, Instant::now(), html));
    }
}
