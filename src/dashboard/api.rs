//! The dashboard's server function: admins only.

use super::model::Dashboard;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::db,
    crate::{
        auth::guard::require_admin,
        base::{context::pool, db::now_ms},
    },
};

#[server(endpoint = "load_dashboard")]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    require_admin().await?;
    db::dashboard(&pool()?, now_ms()).await
}
