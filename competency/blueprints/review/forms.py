from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from competency.blueprints.form_fields import ChoiceRadioField, at_most

DECISION_CHOICES = [("sign", "Sign off this capability"), ("return", "Return it with feedback")]


class DecisionForm(FlaskForm):
    decision = ChoiceRadioField("Your decision", choices=DECISION_CHOICES,
                          validators=[DataRequired("Choose whether to sign off or return the request")])
    comment = TextAreaField("Comment or feedback", validators=[Optional(), at_most(5000, "The comment")],
                            description="Optional when signing off. When returning, say what to add or change.")
    seen_digest = HiddenField()


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason for revoking", validators=[DataRequired("Give the reason for revoking"),
                                                               at_most(5000, "The reason")],
                           description="The person will see this reason. The original sign-off is kept, marked "
                                       "as revoked.")


class MessageForm(FlaskForm):
    body = TextAreaField("Your message", validators=[DataRequired("Write your message before sending it"),
                                                     Length(max=5000, message="The message must be 5,000 characters "
                                                                              "or fewer")],
                         description="Both of you see this conversation, and so do other reviewers of this "
                                     "request.")
