"""Errors the engine raises for the user to read: each names the file or step and the reason."""


class DataError(ValueError):
    """A data file or folder that cannot be used; the message names it and says why."""


class DivergedError(FloatingPointError):
    """Training produced a non-finite value; the message names the step and the quantity."""

    def __init__(self, step, what):
        self.step, self.what = step, what
        super().__init__(f"training diverged at step {step}: {what} is not finite "
                         f"(the parameters are kept as they were after step {step - 1}); "
                         f"try a lower learning rate")
