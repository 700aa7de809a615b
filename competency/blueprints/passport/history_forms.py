"""Forms for previous posts: the person declares one, a lead verifies it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from competency.blueprints.admin.forms import LEVEL_CHOICES
from competency.blueprints.form_fields import ChoiceSelectField, DateInputField, NotBefore, NumberField, at_most
from competency.blueprints.form_fields import happened


class PreviousPostForm(FlaskForm):
    employer_name = StringField("Employer", validators=[DataRequired("Enter the employer's name"),
                                                        at_most(200, "The employer's name")],
                                description="For example 'Sunrise Care Home' or 'Wessex Valley NHS Foundation Trust'.")
    role_title = StringField("Role title", validators=[DataRequired("Enter your role title there"),
                                                       at_most(120, "The role title")])
    level_code = ChoiceSelectField("Level of practice", choices=LEVEL_CHOICES,
                                   message="Choose the level of practice of the post")
    band_label = StringField("Band or grade", validators=[Optional(), at_most(40, "The band or grade")])
    start_on = DateInputField("Start date", subject="The start date", required_message="Enter the date you started",
                              validators=[happened()])
    end_on = DateInputField("End date", subject="The end date", required=False,
                            validators=[happened(), NotBefore("start_on", "The end date must be on or after the "
                                                                          "start date")],
                            description="Leave empty if you still work there.")
    fte = NumberField("Full-time equivalent", default=1, places=2, message="FTE must be a number, like 1 or 0.6",
                      validators=[DataRequired("Enter the FTE, for example 1 or 0.6"),
                                  NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")])


class VerifyPostForm(FlaskForm):
    note = TextAreaField("How you checked it", validators=[DataRequired("Say how you checked it"),
                                                           at_most(2000, "Your note")],
                         description="For example 'Reference from the care home manager, 3 May 2026'.")
