//! The dashboard's server function, admins only: the board drawn as HTML (see pages.rs).

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{charts, db},
    crate::{
        auth::guard::require_admin,
        base::{context::pool, db::now_ms},
    },
};

#[server(endpoint = "load_dashboard")]
pub async fn load_dashboard() -> Result<String, AppError> {
    require_admin().await?;
    let dashboard = db::dashboard(&pool()?, now_ms()).await?;
    Ok(charts::board_html(dashboard))
}
