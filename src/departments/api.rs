//! Department server functions: admin only.

use super::model::Department;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{db, model::DepartmentName},
    crate::{auth::guard::require_admin, base::context::pool},
};

#[cfg(feature = "ssr")]
fn parse_name(name: &str) -> Result<DepartmentName, AppError> {
    DepartmentName::parse(name).map_err(|m| AppError::invalid("name", m))
}

#[server(endpoint = "list_departments")]
pub async fn list_departments() -> Result<Vec<Department>, AppError> {
    require_admin().await?;
    db::list(&pool()?).await
}

#[server(endpoint = "create_department")]
pub async fn create_department(name: String) -> Result<Department, AppError> {
    require_admin().await?;
    let name = parse_name(&name)?;
    db::create(&pool()?, &name).await
}

#[server(endpoint = "rename_department")]
pub async fn rename_department(id: i64, name: String) -> Result<Department, AppError> {
    require_admin().await?;
    let name = parse_name(&name)?;
    db::rename(&pool()?, id, &name).await
}

#[server(endpoint = "delete_department")]
pub async fn delete_department(id: i64) -> Result<(), AppError> {
    require_admin().await?;
    db::delete(&pool()?, id).await
}
