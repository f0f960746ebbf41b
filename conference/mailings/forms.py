"""The mailing form: input shape and messages only (the services check the rules)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        """Unknown values are dropped by the service (``groups.normalise``)."""


class MailingForm(FlaskForm):
    """Who receives the mailing (a kind and its filters), and what it says."""

    kind = RadioField(_l("Send to"), validators=[DataRequired()])
    # registrations
    states = CheckboxListField(_l("Registration state (none ticked: any)"))
    category_ids = CheckboxListField(_l("Category (none ticked: any)"))
    countries = StringField(
        _l("Countries"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Two-letter codes separated by commas, e.g. BE, FR. Empty: any."),
    )
    organisation_types = CheckboxListField(_l("Organisation type (none ticked: any)"))
    session_id = SelectField(_l("Session"), validators=[Optional()])
    session_mode = RadioField(
        _l("People who"),
        choices=[
            SelectChoice("booked", _l("booked the session")),
            SelectChoice("attended", _l("attended it (check-in)")),
        ],
        default="booked",
        validators=[Optional()],
    )
    # speakers
    speaker_states = CheckboxListField(_l("Submissions (none ticked: all submitted ones)"))
    # reviewers
    unfinished_only = BooleanField(_l("Only reviewers with unfinished reviews"))
    # role
    role = SelectField(_l("Role"), validators=[Optional()])
    # csv
    csv_file = FileField(
        _l("CSV file exported from the registrations page"),
        description=_l("Its “id” column says who receives the mailing."),
    )
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(), Length(max=20000)],
        render_kw={"rows": 14},
    )
    submit = SubmitField(_l("Save and review the recipients"))


class PreviewForm(FlaskForm):
    """Choose whose message to preview (GET, no CSRF)."""

    class Meta:
        csrf = False

    recipient = SelectField(_l("Preview the message of"), validators=[Optional()])
