"""GET services and GET service definition responses, built from the catalog."""
from services.intake.open311.documents import Document


def services_document(catalog):
    """The service list: `[{service_code, service_name, ...}]` / `<services><service>`."""
    return Document("services", [_service_entry(service) for service in catalog.services])


def _service_entry(service):
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": service.metadata,
        "type": service.type,
        "keywords": ", ".join(service.keywords),
        "group": service.group,
    }


def service_definition_document(service):
    """One service's definition: `{service_code, attributes: [...]}` / `<service_definition>`."""
    return Document(
        "service_definition",
        {
            "service_code": service.service_code,
            "attributes": [_attribute_entry(attribute) for attribute in service.attributes],
        },
    )


def _attribute_entry(attribute):
    return {
        "variable": attribute.variable,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": attribute.order,
        "description": attribute.description,
        "values": [{"key": value.key, "name": value.name} for value in attribute.values],
    }
