"""Gradio pages wired to the library: residents' chat, the hotline search, the admin app.

Only presentation lives here: every answer, search, parse and publish is a call
into ``bot``. All text from users and documents goes through :func:`render.esc`.
"""
