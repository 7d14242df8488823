//! Request type server functions, all admin only (the ticket forms get their lists from
//! `ticket_choices`).

use super::model::RequestType;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{db, model::RequestTypeName},
    crate::{auth::guard::require_admin, base::context::pool},
};

#[cfg(feature = "ssr")]
fn parse_name(name: &str) -> Result<RequestTypeName, AppError> {
    RequestTypeName::parse(name).map_err(|m| AppError::invalid("name", m))
}

#[server(endpoint = "list_request_types")]
pub async fn list_request_types() -> Result<Vec<RequestType>, AppError> {
    require_admin().await?;
    db::list(&pool()?).await
}

#[server(endpoint = "create_request_type")]
pub async fn create_request_type(name: String) -> Result<RequestType, AppError> {
    require_admin().await?;
    let name = parse_name(&name)?;
    db::create(&pool()?, &name).await
}

#[server(endpoint = "rename_request_type")]
pub async fn rename_request_type(id: i64, name: String) -> Result<RequestType, AppError> {
    require_admin().await?;
    let name = parse_name(&name)?;
    db::rename(&pool()?, id, &name).await
}

#[server(endpoint = "delete_request_type")]
pub async fn delete_request_type(id: i64) -> Result<(), AppError> {
    require_admin().await?;
    db::delete(&pool()?, id).await
}
