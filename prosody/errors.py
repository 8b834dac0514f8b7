"""The two ways the library tells a person something went wrong."""


class ProsodyError(ValueError):
    """Input that cannot be analysed. The message says what is wrong and what to do."""


class ProsodyWarning(UserWarning):
    """The analysis ran, but a value is undefined or less trustworthy (it is then ``None``)."""
