"""The binary (ASCII-hex frame) protocol: framing, the client, and who the packs are."""
