//! Service levels' server functions: admins read and change the policies and the hours;
//! every open ticket's due times follow at once.

use super::model::{HoursForm, PoliciesForm, ServiceLevels};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::{business_hours::Schedule, targets},
    crate::{
        auth::guard::require_admin,
        base::context::pool,
        base::db::{Pool, begin_write},
    },
};

#[server(endpoint = "service_levels")]
pub async fn get_service_levels() -> Result<ServiceLevels, AppError> {
    require_admin().await?;
    let mut conn = pool()?.acquire().await?;
    targets::read(&mut conn).await
}

/// Stores every policy (all or none); returns how many open tickets' due times changed.
#[server(endpoint = "save_sla_policies")]
pub async fn save_sla_policies(#[server(flatten)] form: PoliciesForm) -> Result<u64, AppError> {
    require_admin().await?;
    let policies = form.parse()?;
    let pool = pool()?;
    let mut tx = begin_write(&pool).await?;
    for p in &policies {
        sqlx::query(
            "UPDATE sla_policies SET first_response_minutes = $1, resolution_minutes = $2,
                    business_hours = $3 WHERE priority = $4",
        )
        .bind(p.first_response_minutes)
        .bind(p.resolution_minutes)
        .bind(p.business_hours)
        .bind(p.priority.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    follow(&pool).await
}

/// Stores the business hours (zone, week, holidays); returns how many open tickets' due
/// times changed.
#[server(endpoint = "save_business_hours")]
pub async fn save_business_hours(#[server(flatten)] form: HoursForm) -> Result<u64, AppError> {
    require_admin().await?;
    let input = form.parse()?;
    // The zone (and the rest once more) as the due times will read it.
    let holidays = input.holidays.iter().filter_map(|d| d.parse().ok());
    Schedule::new(&input.zone, input.week.clone(), holidays).map_err(|e| {
        let field = match e.field {
            "time_zone" => "zone",
            "holidays" => "holidays",
            _ => "mon",
        };
        AppError::invalid(field, e.message)
    })?;
    let week = serde_json::to_string(&input.week).map_err(|_| AppError::Internal)?;
    let holidays = serde_json::to_string(&input.holidays).map_err(|_| AppError::Internal)?;
    let pool = pool()?;
    let mut tx = begin_write(&pool).await?;
    sqlx::query("UPDATE business_hours SET zone = $1, week = $2, holidays = $3 WHERE id = 1")
        .bind(&input.zone)
        .bind(week)
        .bind(holidays)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    follow(&pool).await
}

/// Every open ticket's due times under what is now stored.
#[cfg(feature = "ssr")]
async fn follow(pool: &Pool) -> Result<u64, AppError> {
    let mut conn = pool.acquire().await?;
    let targets = targets::Targets::load(&mut conn).await?;
    drop(conn);
    targets::recompute_open(pool, &targets).await
}
