print("civic")
