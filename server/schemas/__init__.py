"""marshmallow wire formats by area: load at the edge, dump on the way out."""
