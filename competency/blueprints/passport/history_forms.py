"""Forms for previous posts: the person declares one, a lead verifies it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from competency.blueprints.admin.forms import LEVEL_CHOICES


class PreviousPostForm(FlaskForm):
    employer_name = StringField("Employer", validators=[DataRequired("Enter the employer's name"), Length(max=200)],
                                description="For example 'Sunrise Care Home' or 'Wessex Valley NHS Foundation Trust'.")
    role_title = StringField("Role title", validators=[DataRequired("Enter your role title there"), Length(max=120)])
    level_code = SelectField("Level of practice", choices=LEVEL_CHOICES)
    band_label = StringField("Band or grade", validators=[Optional(), Length(max=40)])
    start_on = DateField("Start date", validators=[DataRequired("Enter the date you started")])
    end_on = DateField("End date", validators=[Optional()], description="Leave empty if you still work there.")
    fte = DecimalField("Full-time equivalent", default=1, places=2,
                       validators=[DataRequired("Enter the FTE, for example 1 or 0.6"),
                                   NumberRange(min=0.01, max=1, message="FTE must be more than 0 and at most 1")])


class VerifyPostForm(FlaskForm):
    note = TextAreaField("How you checked it", validators=[DataRequired("Say how you checked it"),
                                                           Length(max=2000)],
                         description="For example 'Reference from the care home manager, 3 May 2026'.")
