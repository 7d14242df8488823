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

/// Empties `form` after each successful run of `action` (a new record was created).
pub fn reset_on_success<S>(action: ServerAction<S>, form: NodeRef<html::Form>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move || {
        if matches!(action.value().get(), Some(Ok(_)))
            && let Some(form) = form.get()
        {
            form.reset();
        }
    });
}

/// How a control is tied to its hint and error message, for screen readers.
#[derive(Clone, Copy)]
struct Aria {
    invalid: Signal<Option<&'static str>>,
    described_by: Signal<Option<String>>,
}

/// What every labelled control shares: the label, an optional hint, the control itself and
/// the message of `error` about the field `name`.
fn field_frame(
    label: &'static str,
    name: &'static str,
    id: &str,
    hint: Option<&'static str>,
    error: Signal<Option<AppError>>,
    control: impl FnOnce(Aria) -> AnyView,
) -> AnyView {
    let message = Memo::new(move |_| error.get().and_then(|e| e.for_field(name)));
    let error_id = format!("{id}-error");
    let hint_id = hint.map(|_| format!("{id}-hint"));
    let aria = Aria {
        invalid: Signal::derive(move || message.get().map(|_| "true")),
        described_by: Signal::derive({
            let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
            move || {
                let mut ids: Vec<String> = hint_id.iter().cloned().collect();
                if message.get().is_some() {
                    ids.push(error_id.clone());
                }
                (!ids.is_empty()).then(|| ids.join(" "))
            }
        }),
    };
    view! {
        <div class="field">
            <label for=id.to_string()>{label}</label>
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
            {control(aria)}
            <p class="field-error" id=error_id>{move || message.get()}</p>
        </div>
    }
    .into_any()
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
    field_frame(label, name, &id.clone(), hint, error, move |aria| {
        view! {
            <input node_ref=node_ref id=id type=kind name=name value=value
                autocomplete=autocomplete required=required maxlength=maxlength
                aria-invalid=aria.invalid aria-describedby=aria.described_by/>
        }
        .into_any()
    })
}

/// A labelled multi-line text box, wired up like `Field`.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(into)] id: String,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(default = 5)] rows: u32,
    /// What it holds at first (an edit form's stored text).
    #[prop(optional)]
    value: Option<String>,
    #[prop(optional)] node_ref: Option<NodeRef<html::Textarea>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let node_ref = node_ref.unwrap_or_default();
    field_frame(label, name, &id.clone(), hint, error, move |aria| {
        view! {
            <textarea id=id name=name rows=rows required=required maxlength=maxlength node_ref=node_ref
                aria-invalid=aria.invalid aria-describedby=aria.described_by>{value}</textarea>
        }
        .into_any()
    })
}

/// A labelled select over `(value, label)` options. `placeholder` adds a first, empty option.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    #[prop(into)] id: String,
    options: Vec<(String, String)>,
    #[prop(default = None)] selected: Option<String>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] required: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let placeholder = placeholder.map(|text| (String::new(), text.to_string()));
    let options = super::html::options(
        placeholder.into_iter().chain(options),
        selected.as_deref().unwrap_or_default(),
    );
    field_frame(label, name, &id.clone(), None, error, move |aria| {
        view! {
            <select id=id name=name required=required inner_html=options
                aria-invalid=aria.invalid aria-describedby=aria.described_by>
            </select>
        }
        .into_any()
    })
}

/// A page section's data failed to load: say so where the data would be.
#[component]
pub fn LoadError(error: AppError) -> impl IntoView {
    view! { <p class="alert alert-error" role="alert">{error.to_string()}</p> }
}

/// The form-level message. Errors about a field are shown next to it, so here they are only
/// counted; form-wide messages (field "") are spelled out. With `full`, for actions that have
/// no fields of their own (table buttons), every message is spelled out.
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>, #[prop(optional)] full: bool) -> impl IntoView {
    let text = move || error.get().map(|e| alert_text(&e, full));
    view! {
        <div class="alert alert-error" role="alert" hidden=move || text().is_none()>
            {text}
        </div>
    }
}

fn alert_text(error: &AppError, full: bool) -> String {
    match error {
        AppError::Validation(errors) | AppError::Conflict(errors) if !full => {
            let mut parts: Vec<String> = errors
                .iter()
                .filter(|e| e.field.is_empty())
                .map(|e| e.message.clone())
                .collect();
            let marked = errors.len() - parts.len();
            if marked > 0 {
                let what = if marked == 1 {
                    "the field".to_string()
                } else {
                    format!("the {marked} fields")
                };
                parts.push(format!(
                    "Nothing was saved: please correct {what} marked below."
                ));
            }
            parts.join(" ")
        }
        other => other.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    #[test]
    fn field_errors_are_counted_and_form_errors_spelled_out() {
        let field = |f: &str, m: &str| FieldError {
            field: f.into(),
            message: m.into(),
        };
        let err = AppError::Validation(vec![
            field("email", "Bad email."),
            field("name", "Bad name."),
        ]);
        assert_eq!(
            alert_text(&err, false),
            "Nothing was saved: please correct the 2 fields marked below."
        );
        assert_eq!(alert_text(&err, true), "Bad email. Bad name.");
        let err = AppError::invalid("", "Invalid username or password.");
        assert_eq!(alert_text(&err, false), "Invalid username or password.");
        assert_eq!(
            alert_text(&AppError::Forbidden, false),
            "You are not allowed to do that."
        );
    }
}

/// A form's submit button, disabled while its action runs so a second click cannot send the
/// form twice.
#[component]
pub fn Submit(
    label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = "btn btn-primary")] class: &'static str,
) -> impl IntoView {
    view! { <button type="submit" class=class disabled=move || pending.get()>{label}</button> }
}
