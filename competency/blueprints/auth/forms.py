from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from competency.blueprints.form_fields import at_most


class EmailAddress:
    """The address is well formed (no DNS look-up).

    ``.test`` domains are accepted: the demo accounts use them, and WTForms' own ``Email``
    refuses every special-use domain.
    """

    def __init__(self, message: str = "Enter an email address like name@example.org"):
        self.message = message

    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise ValidationError(self.message) from None


def strip_spaces(value: str | None) -> str | None:
    """People paste addresses with stray spaces; the address itself never has any."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField("Email address", filters=[strip_spaces],
                       validators=[DataRequired("Enter your email address"),
                                   EmailAddress()])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email address", filters=[strip_spaces],
                       validators=[DataRequired("Enter your email address"),
                                   EmailAddress()])


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Enter a new password"),
                                                         at_most(200, "The new password")],
                             description="At least 12 characters. A few unrelated words work well.")
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired("Enter the new password again"), EqualTo("password", "The passwords do not match")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password"),
                                                                      at_most(200, "The current password")])
    password = PasswordField("New password", validators=[DataRequired("Enter a new password"),
                                                         at_most(200, "The new password")],
                             description="At least 12 characters. A few unrelated words work well.")
    confirm = PasswordField("Confirm new password", validators=[
        DataRequired("Enter the new password again"), EqualTo("password", "The passwords do not match")])


class AcceptInvitationForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired("Enter your name"), at_most(120, "Your name")])
    password = PasswordField("Choose a password", validators=[DataRequired("Enter a password"),
                                                              at_most(200, "The password")],
                             description="At least 12 characters. A few unrelated words work well.")


class ProfileForm(FlaskForm):
    display_name = StringField("Name", validators=[DataRequired("Enter your name"), at_most(120, "Your name")])
    profession = StringField("Profession", validators=[at_most(80, "The profession")],
                             description="For example: occupational therapist, physiotherapist, social worker")
    registration_body = StringField("Professional registration body",
                                    validators=[at_most(40, "The registration body")],
                                    description="For example: HCPC, NMC, Social Work England")
    registration_number = StringField("Registration number", validators=[at_most(40, "The registration number")])


class NewTokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired("Give the token a name"),
                                                       at_most(80, "The token name")],
                       description="So you can recognise it later, for example 'ESR export script'.")
