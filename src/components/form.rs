use crate::error::AppError;
use leptos::{html, prelude::*, server::ServerAction, server_fn::ServerFn};

/// The error of an action's last run, for its form to show.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A labelled input with its hint and its error message, wired up for screen readers.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(into)] id: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = None)] value: Option<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(optional)] node_ref: Option<NodeRef<html::Input>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let node_ref = node_ref.unwrap_or_default();
    let message = Memo::new(move |_| error.get().and_then(|e| e.for_field(name)));
    let error_id = format!("{id}-error");
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let described_by = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids: Vec<String> = hint_id.iter().cloned().collect();
            if message.get().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id.clone()>{text}</p> })}
            <input
                node_ref=node_ref
                id=id
                type=kind
                name=name
                value=value
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                aria-invalid=move || message.get().map(|_| "true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id>{move || message.get()}</p>
        </div>
    }
}

/// The form-level message: field problems are summarised, everything else spelled out.
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    let text = move || {
        error.get().map(|e| match e {
            AppError::Validation(_) | AppError::Conflict(_) => {
                format!("Nothing was saved: {e}")
            }
            other => other.to_string(),
        })
    };
    view! {
        <div class="alert alert-error" role="alert" hidden=move || text().is_none()>
            {text}
        </div>
    }
}

/// A polite confirmation after a successful action.
#[component]
pub fn SuccessNote(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="alert alert-success" role="status" hidden=move || message.get().is_none()>
            {move || message.get()}
        </div>
    }
}
