from django import forms

from s3_file_uploads.forms import UploadFormMixin

from .models import Member


class MemberForm(UploadFormMixin, forms.ModelForm):
    """A plain model form: the upload fields and their widget come from the model."""

    class Meta:
        model = Member
        fields = ["name", "picture", "cv"]
