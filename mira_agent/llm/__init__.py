"""LLM backends behind one small protocol: messages in, text or schema-valid JSON out.

Each SDK is imported by its own module only (google-genai by gemini.py, openai by
openai_compat.py, llama-cpp-python by llamacpp.py), and only when that backend is used.
"""
