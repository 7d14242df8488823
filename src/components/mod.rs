//! UI pieces shared by every feature.

mod avatar;
mod form;
mod layout;
mod named_list;
mod pages;
mod time;

pub use avatar::Avatar;
pub use form::{
    Field, FormAlert, LoadError, SelectField, SuccessNote, TextArea, action_error, reset_on_success,
};
pub use layout::{Auth, Layout, use_auth};
pub use named_list::{FormWrap, NamedListAdmin, NamedRow, Nouns, table_outcome};
pub use pages::{Guard, NotFoundPage};
pub use time::Time;
