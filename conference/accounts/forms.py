"""Account forms: input shape and messages only; rules live in services."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = StringField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField("Log in")


class SignupForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = StringField("E-mail address", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password (at least 10 characters)", validators=[DataRequired(), Length(min=10, max=1000)]
    )
    submit = SubmitField("Create account")
