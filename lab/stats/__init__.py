"""Distributions fitted to data, for the forecast experiment: the Johnson system fitted by
quantiles (``johnson``) and the models of one month's value (``month_models``)."""
