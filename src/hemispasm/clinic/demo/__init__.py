"""The demo clinic: a made-up history planned from a seed (``plan``, ``records``, ``treatment``),
sample videos (``videos``), written through the services (``seed``, ``history``, ``logins``) and
shown on the terminal (``show``). Nobody in it is a real person."""
