"""Banking tools the assistant can call: reference models behind plug-in interfaces.

Each tool is a package (`credit_risk`, `portfolio`) whose light schema module publishes its
input (`bot.tools.inputs.ToolInput`, listed in `bot.tools.registry`); `bot.tools.plugins`
holds what the tools share (loading a model by spec, loading it once, calling it over HTTP).
"""
