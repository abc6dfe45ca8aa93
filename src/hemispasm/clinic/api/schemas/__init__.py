"""Request and response models of the API: a Create, Update and Public model per entity."""
