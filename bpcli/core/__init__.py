"""The numeric core: layers with forward and backward side by side, losses, and the network run.

Nothing in here prints or imports a user-interface library; everything returns data.
"""
