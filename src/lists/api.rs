//! The named lists' server functions, all admin only (the ticket forms get their lists
//! from `ticket_choices`).

use super::model::{Entry, NamedList};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{db, model::EntryName},
    crate::{auth::guard::require_admin, base::context::pool},
};

#[cfg(feature = "ssr")]
fn parse_name(list: NamedList, name: &str) -> Result<EntryName, AppError> {
    EntryName::parse(list, name).map_err(|m| AppError::invalid("name", m))
}

#[server(endpoint = "list_entries")]
pub async fn list_entries(list: NamedList) -> Result<Vec<Entry>, AppError> {
    require_admin().await?;
    db::entries(&pool()?, list).await
}

#[server(endpoint = "create_list_entry")]
pub async fn create_list_entry(list: NamedList, name: String) -> Result<Entry, AppError> {
    require_admin().await?;
    db::create(&pool()?, list, &parse_name(list, &name)?).await
}

#[server(endpoint = "rename_list_entry")]
pub async fn rename_list_entry(list: NamedList, id: i64, name: String) -> Result<Entry, AppError> {
    require_admin().await?;
    db::rename(&pool()?, list, id, &parse_name(list, &name)?).await
}

#[server(endpoint = "delete_list_entry")]
pub async fn delete_list_entry(list: NamedList, id: i64) -> Result<(), AppError> {
    require_admin().await?;
    db::delete(&pool()?, list, id).await
}
