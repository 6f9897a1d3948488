print("gatecheck: not built yet")
