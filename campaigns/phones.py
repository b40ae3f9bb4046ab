"""Phone numbers in, E.164 out: one number written five ways is one subscriber."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Anything longer is not a phone number, and parsing it would only waste time.
MAX_INPUT_LENGTH = 40


def normalise_phone(raw: str, *, region: str | None = None) -> str:
    """Parse what an employee typed into E.164, or raise ValidationError saying what is wrong."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter a mobile number."), code="required")
    if len(text) > MAX_INPUT_LENGTH:
        raise ValidationError(_("That is too long to be a phone number."), code="invalid")
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("That does not look like a phone number. Try the full number, e.g. 07400 123456."),
            code="invalid",
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("That number is not valid. Check the digits and the country code."), code="invalid"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_allowed_region(e164: str) -> None:
    """Refuse numbers outside the organisation's countries before any SMS is spent on them."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
    if region not in settings.SIGNUP_ALLOWED_REGIONS:
        raise ValidationError(
            _("We can only text numbers in the countries where we employ people (%(regions)s)."),
            code="region",
            params={"regions": ", ".join(settings.SIGNUP_ALLOWED_REGIONS)},
        )


def number_prefix(e164: str) -> str:
    """The country code and the first digits of the national number: the unit SMS pumping rotates in."""
    number = phonenumbers.parse(e164)
    return f"+{number.country_code}{str(number.national_number)[:4]}"


# Types that can receive a text. FIXED_LINE_OR_MOBILE is where a region's numbering plan cannot
# tell the two apart (the US, for one): refusing those would refuse real mobiles.
TEXTABLE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def check_no_letters(raw: str) -> None:
    """The parser turns letters into keypad digits (0800-FLOWERS): a number with letters is an
    advert, not an employee's mobile, so it is refused before it is parsed."""
    if any(character.isalpha() for character in raw):
        raise ValidationError(_("Enter the number in digits only, without letters."), code="letters")


def check_can_receive_texts(e164: str) -> None:
    """Refuse landlines, freephone and other numbers that cannot receive a text, before a code is paid for."""
    if phonenumbers.number_type(phonenumbers.parse(e164)) not in TEXTABLE_TYPES:
        raise ValidationError(
            _("That looks like a landline. Enter a mobile number that can receive texts."), code="landline"
        )
