-- Population, parameter and variable names are limited to 64 characters too; a 1 MB
-- population name is refused with a short echo.
-- expect: 6: error: population: name 'PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP...' is too long (1048576 characters; names have at most 64)

network { name = "long_pop", dt = 0.1 }
population { string.rep("P", 1048576), lif, 10 }
