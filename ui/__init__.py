"""The Streamlit app of Calm Tone Coach. Only draws and wires; prosody computes."""
