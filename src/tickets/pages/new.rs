use super::super::{api::CreateTicket, api::ticket_choices, model::TicketOptions};
use crate::auth::Guard;
use crate::components::{
    Field, FormAlert, LoadError, SelectField, Submit, TextArea, action_error, past_dry_runs,
};
use crate::error::AppError;
use crate::files::attach::{Attach, Attachments, FilesForm};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewTicketPage() -> impl IntoView {
    // Created here, inside the routes, so a no-JavaScript post gets its errors back.
    let create = ServerAction::<CreateTicket>::new();
    // Made outside the Guard: see `Guard` for why.
    let choices = Resource::new(|| (), |_| ticket_choices());
    view! {
        <Title text="New ticket"/>
        <Guard>
            <NewTicket create choices/>
        </Guard>
    }
}

#[component]
fn NewTicket(
    create: ServerAction<CreateTicket>,
    choices: Resource<Result<TicketOptions, AppError>>,
) -> impl IntoView {
    let error = action_error(create);
    view! {
        <main id="main" tabindex="-1" class="page narrow-form">
            <p class="crumbs"><a href="/tickets">"← Tickets"</a></p>
            <h1>"New ticket"</h1>
            <p class="lead">"Tell us what you need. You can follow the ticket and add details later."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let choices = choices.await;
                    past_dry_runs().await;
                    match choices {
                        Ok(c) if c.departments.is_empty() || c.request_types.is_empty() => view! {
                            <p class="alert alert-info" role="note">
                                "Tickets cannot be filed yet: an admin must first add at least one department and one request type."
                            </p>
                        }.into_any(),
                        Ok(c) => {
                            let limits = c.attachments;
                            let attachments = Attachments::new(Signal::derive(move || limits));
                            let options = |list: Vec<crate::lists::Choice>| {
                                list.into_iter().map(|c| (c.id.to_string(), c.name)).collect::<Vec<_>>()
                            };
                            view! {
                                <section class="card">
                                    <FilesForm action=create attachments>
                                        <FormAlert error/>
                                        <div class="form-grid">
                                            <SelectField label="Request type" name="request_type_id"
                                                id="ticket-type" options=options(c.request_types)
                                                placeholder="Choose a request type" required=true error/>
                                            <SelectField label="Department" name="department_id"
                                                id="ticket-department" options=options(c.departments)
                                                selected=c.my_department.map(|d| d.to_string())
                                                placeholder="Choose a department" required=true error/>
                                        </div>
                                        <Field label="Subject" name="subject" id="ticket-subject"
                                            required=true maxlength=200
                                            hint="One line, up to 200 characters." error/>
                                        <TextArea label="Description" name="description"
                                            id="ticket-description" required=true maxlength=10000 rows=8
                                            hint="What happened, and what do you need? Up to 10,000 characters." error/>
                                        <Field label="Device number" name="device_no" id="ticket-device"
                                            maxlength=64 hint="Optional: the asset tag of the computer or device." error/>
                                        <Attach id="ticket-files" attachments action=create/>
                                        <Submit label="Submit ticket"
                                            pending=Signal::derive(move || create.pending().get() || attachments.sending())/>
                                    </FilesForm>
                                </section>
                            }.into_any()
                        }
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}
