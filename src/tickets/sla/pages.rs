//! `/admin/service-levels`: the targets of each priority and the business hours.

use super::api::{SaveBusinessHours, SaveSlaPolicies, get_service_levels};
use super::model::{Policy, ServiceLevels, UNITS, WEEKDAYS, day_text, split_target};
use crate::auth::Guard;
use crate::components::{
    Field, FormAlert, LoadError, SelectField, Submit, SuccessNote, TextArea, action_error,
    past_dry_runs,
};
use crate::error::AppError;
use crate::text::thousands;
use crate::tickets::model::Priority;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ServiceLevelsPage() -> impl IntoView {
    let policies = ServerAction::<SaveSlaPolicies>::new();
    let hours = ServerAction::<SaveBusinessHours>::new();
    // Made outside the Guard: see `Guard` for why.
    let levels = Resource::new(
        move || (policies.version().get(), hours.version().get()),
        |_| get_service_levels(),
    );
    view! {
        <Title text="Service levels"/>
        <Guard admin=true>
            <main id="main" tabindex="-1" class="page">
                <h1>"Service levels"</h1>
                <p class="lead">
                    "How soon staff answer and resolve a ticket of each priority. Lists show
                     each open ticket's next due time; changes here apply to every open ticket
                     at once, from when it was filed."
                </p>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        let levels = levels.await;
                        past_dry_runs().await;
                        match levels {
                            Ok(levels) => view! { <Forms levels policies hours/> }.into_any(),
                            Err(error) => view! { <LoadError error/> }.into_any(),
                        }
                    })}
                </Transition>
            </main>
        </Guard>
    }
}

/// The form fields of one priority's row: (first, its unit, resolution, its unit, box).
fn names(p: Priority) -> [&'static str; 5] {
    match p {
        Priority::Urgent => [
            "urgent_first",
            "urgent_first_unit",
            "urgent_resolution",
            "urgent_resolution_unit",
            "urgent_business",
        ],
        Priority::High => [
            "high_first",
            "high_first_unit",
            "high_resolution",
            "high_resolution_unit",
            "high_business",
        ],
        Priority::Normal => [
            "normal_first",
            "normal_first_unit",
            "normal_resolution",
            "normal_resolution_unit",
            "normal_business",
        ],
        Priority::Low => [
            "low_first",
            "low_first_unit",
            "low_resolution",
            "low_resolution_unit",
            "low_business",
        ],
    }
}

fn saved(what: &str, n: u64) -> String {
    let tickets = if n == 1 { "ticket" } else { "tickets" };
    format!(
        "{what} saved; due times of {} open {tickets} updated.",
        thousands(n as i64)
    )
}

#[component]
fn Forms(
    levels: ServiceLevels,
    policies: ServerAction<SaveSlaPolicies>,
    hours: ServerAction<SaveBusinessHours>,
) -> impl IntoView {
    let policies_error = action_error(policies);
    let hours_error = action_error(hours);
    let policies_saved = Signal::derive(move || match policies.value().get() {
        Some(Ok(n)) => Some(saved("Targets", n)),
        _ => None,
    });
    let hours_saved = Signal::derive(move || match hours.value().get() {
        Some(Ok(n)) => Some(saved("Business hours", n)),
        _ => None,
    });
    let units: Vec<(String, String)> = UNITS
        .iter()
        .map(|(v, label, _)| (v.to_string(), label.to_string()))
        .collect();
    let ServiceLevels {
        policies: rows,
        zone,
        week,
        holidays,
    } = levels;
    view! {
        <section class="card" aria-labelledby="targets-heading">
            <h2 id="targets-heading">"Targets by priority"</h2>
            <ActionForm action=policies>
                <FormAlert error=policies_error/>
                <SuccessNote message=policies_saved/>
                <div class="policy-grid">
                    {rows.into_iter().map(|p| view! {
                        <PolicyFields p units=units.clone() error=policies_error/>
                    }).collect_view()}
                </div>
                <Submit label="Save targets" pending=policies.pending()/>
            </ActionForm>
        </section>
        <section class="card" aria-labelledby="hours-heading">
            <h2 id="hours-heading">"Business hours"</h2>
            <p class="hint">
                "Targets that count business hours stop outside these hours and on holidays.
                 Each day: opening hours such as 09:00-17:00 (several separated by commas);
                 empty when closed."
            </p>
            <ActionForm action=hours>
                <FormAlert error=hours_error/>
                <SuccessNote message=hours_saved/>
                <Field label="Time zone" name="zone" id="hours-zone" value=Some(zone) required=true
                    maxlength=64 hint="A name of the IANA time-zone database, e.g. Europe/Berlin or America/New_York." error=hours_error/>
                <div class="week-grid">
                    {WEEKDAYS.iter().zip(week).map(|((name, label), windows)| view! {
                        <Field label=*label name=*name id=format!("hours-{name}")
                            value=Some(day_text(&windows)) maxlength=100 error=hours_error/>
                    }).collect_view()}
                </div>
                <TextArea label="Holidays" name="holidays" id="hours-holidays" rows=6
                    value=holidays.join("\n")
                    hint="One date a line (2026-12-25), a name after it if you like. At most 1,000."
                    error=hours_error/>
                <Submit label="Save hours" pending=hours.pending()/>
            </ActionForm>
        </section>
    }
}

/// One priority's two targets and whether they count business hours.
#[component]
fn PolicyFields(
    p: Policy,
    units: Vec<(String, String)>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let [first, first_unit, resolution, resolution_unit, business] = names(p.priority);
    let (first_n, first_u) = split_target(p.first_response_minutes);
    let (resolution_n, resolution_u) = split_target(p.resolution_minutes);
    let id = |name: &str| format!("sla-{}", name.replace('_', "-"));
    view! {
        <fieldset class="policy">
            <legend>{p.priority.label()}</legend>
            <div class="target">
                <Field label="First response" name=first id=id(first) kind="number"
                    value=Some(first_n.to_string()) required=true error/>
                <SelectField label="Unit" name=first_unit id=id(first_unit) options=units.clone()
                    selected=Some(first_u.to_string()) error/>
            </div>
            <div class="target">
                <Field label="Resolution" name=resolution id=id(resolution) kind="number"
                    value=Some(resolution_n.to_string()) required=true error/>
                <SelectField label="Unit" name=resolution_unit id=id(resolution_unit) options=units
                    selected=Some(resolution_u.to_string()) error/>
            </div>
            <label class="check">
                <input type="checkbox" name=business checked=p.business_hours/>
                "Count business hours only"
            </label>
        </fieldset>
    }
}
