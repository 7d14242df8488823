//! Saved replies' server functions, staff only: each sees the team's and their own;
//! admins manage the team's, everyone their own.

use super::model::{ReplyForm, SavedReply};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::db,
    crate::{
        auth::{guard::require_staff, model::CurrentUser},
        base::context::pool,
    },
};

#[server(endpoint = "saved_replies")]
pub async fn saved_replies() -> Result<Vec<SavedReply>, AppError> {
    let staff = require_staff().await?;
    db::visible(&pool()?, staff.id).await
}

#[server(endpoint = "create_saved_reply")]
pub async fn create_saved_reply(
    #[server(flatten)] form: ReplyForm,
) -> Result<SavedReply, AppError> {
    let staff = require_staff().await?;
    let input = form.parse()?;
    if input.shared && !staff.is_admin {
        return Err(AppError::Forbidden);
    }
    db::create(&pool()?, staff.id, &input).await
}

/// The reply `id` if `staff` may change it: their own, or the team's for an admin.
#[cfg(feature = "ssr")]
async fn changeable(staff: &CurrentUser, id: i64) -> Result<SavedReply, AppError> {
    let reply = db::get(&pool()?, staff.id, id).await?;
    if reply.shared && !staff.is_admin {
        return Err(AppError::Forbidden);
    }
    Ok(reply)
}

#[server(endpoint = "update_saved_reply")]
pub async fn update_saved_reply(
    id: i64,
    #[server(flatten)] form: ReplyForm,
) -> Result<SavedReply, AppError> {
    let staff = require_staff().await?;
    let input = form.parse()?;
    changeable(&staff, id).await?;
    db::update(&pool()?, staff.id, id, &input).await
}

#[server(endpoint = "delete_saved_reply")]
pub async fn delete_saved_reply(id: i64) -> Result<(), AppError> {
    let staff = require_staff().await?;
    changeable(&staff, id).await?;
    db::delete(&pool()?, id).await
}
