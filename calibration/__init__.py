"""How closely migsim matches the IOM surveys and World Bank series: targets, fit, checks."""
