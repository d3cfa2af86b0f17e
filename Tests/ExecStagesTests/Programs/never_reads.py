"""An exec program that never reads stdin and never answers."""
import time

time.sleep(3600)
