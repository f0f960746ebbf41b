"""Forms of the speakers' side of the programme: profile, materials and who sees them.

Shape and messages only: the content checks of files (what a file really is, its size) and
the rules live in ``services.files``, ``services.materials`` and ``services.speakers``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from conference.programme.services.materials import KIND_LABELS, VISIBILITY_LABELS
from conference.programme.speaker_models import MaterialKind


class SpeakerProfileForm(FlaskForm):
    biography = TextAreaField(
        _l("Biography"), validators=[Optional(), Length(max=3000)], render_kw={"rows": 8}
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    photo = FileField(_l("Photo (JPEG or PNG)"))
    remove_photo = BooleanField(_l("Remove the current photo"))


def _label_field():
    # Choices come from the session's label (``materials.label_choices``); a less strict
    # label posted anyway is refused by the service with a clear message, not here.
    return SelectField(_l("TLP label"), choices=[], validate_choice=False)


def _confined_field():
    return BooleanField(_l("Not shared: only the organisers and the session’s speakers"))


class MaterialUploadForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice(k.value, KIND_LABELS[k])
            for k in (MaterialKind.SLIDES, MaterialKind.DOCUMENT)
        ],
        default=MaterialKind.SLIDES.value,
        validators=[DataRequired()],
    )
    file = FileField(
        _l("File (PDF, PPTX, ODP or DOCX)"), validators=[FileRequired(_l("Choose a file."))]
    )
    tlp = _label_field()
    confined = _confined_field()


class RecordingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    url = StringField(_l("Recording link"), validators=[DataRequired(), Length(max=500)])
    tlp = _label_field()
    confined = _confined_field()


class MaterialLabelForm(FlaskForm):
    """A material's own label and whether it is shared, changed after the upload."""

    tlp = _label_field()
    confined = _confined_field()


class MaterialsAccessForm(FlaskForm):
    materials_access = RadioField(
        _l("Who sees the materials"),
        choices=[SelectChoice(k.value, label) for k, label in VISIBILITY_LABELS.items()],
        validators=[DataRequired()],
    )
