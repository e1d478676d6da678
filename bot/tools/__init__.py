"""Banking tools the assistant can call: reference models behind plug-in interfaces."""
