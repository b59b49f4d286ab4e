"""Base entities: unique ids, devices (a stack and one per pack), availability per pack.

An entity writes its state only when what it shows has changed: a 16-pack stack has about a
thousand entities, and most values stay the same from one poll to the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from homeassistant.const import CONF_NAME
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import PylontechCoordinator

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from homeassistant.helpers.entity import Entity, EntityDescription
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .bms import PackData
    from .coordinator import PylontechConfigEntry


def add_pack_entities(
    entry: PylontechConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entities_for: Callable[[int, PackData], Sequence[Entity] | None],
) -> None:
    """Add each pack's entities once, as soon as the pack has answered: now and after refreshes.

    `entities_for` returns None for a pack that has not given what its entities need yet.
    """
    coordinator = entry.runtime_data
    known: set[int] = set()

    @callback
    def add_new_packs() -> None:
        entities: list[Entity] = []
        for address, pack in coordinator.data.packs.items():
            if address in known:
                continue
            found = entities_for(address, pack)
            if found is not None:
                known.add(address)
                entities += found
        if entities:
            async_add_entities(entities)

    add_new_packs()
    entry.async_on_unload(coordinator.async_add_listener(add_new_packs))


def stack_identifier(coordinator: PylontechCoordinator) -> tuple[str, str]:
    """The device-registry identifier of the stack device."""
    return (DOMAIN, coordinator.config_entry.entry_id)


def stack_device_info(coordinator: PylontechCoordinator) -> DeviceInfo:
    """The stack device: the base name and the controller's or else the master pack's identity."""
    master = coordinator.stack_identity or coordinator.identities.get(coordinator.addresses[0])
    return DeviceInfo(
        identifiers={stack_identifier(coordinator)},
        name=coordinator.config_entry.data[CONF_NAME],
        manufacturer=(master and master.manufacturer) or coordinator.dialect.manufacturer,
        model=(master and master.model) or coordinator.dialect.brand,
        serial_number=master.serial_number if master else None,
        sw_version=master.software_version if master else None,
    )


VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__optional_keys__ | DeviceInfo.__required_keys__
"""Home Assistant 2026.8+ links a device to its parent by registry id; the identifier form
(`via_device`) is deprecated there and stops working in 2027.8."""


def link_to_stack(coordinator: PylontechCoordinator, info: DeviceInfo) -> DeviceInfo:
    """`info` connected via the stack device, in the form the running Home Assistant takes.

    The stack device is registered before any platform is set up, so it can be found by id.
    """
    fields = cast("dict[str, object]", info)
    if not VIA_DEVICE_ID:
        fields["via_device"] = stack_identifier(coordinator)
        return info
    registry = dr.async_get(coordinator.hass)
    for device in dr.async_entries_for_config_entry(registry, coordinator.config_entry.entry_id):
        if stack_identifier(coordinator) in device.identifiers:
            fields["via_device_id"] = device.id
    return info


def pack_identifier(coordinator: PylontechCoordinator, address: int) -> tuple[str, str]:
    """The device-registry identifier of a pack's device."""
    return (DOMAIN, f"{coordinator.config_entry.entry_id}_{address}")


class PylontechEntity(CoordinatorEntity[PylontechCoordinator]):
    """An entity of one stack; subclasses say what they show in `_shown`."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: PylontechCoordinator, description: EntityDescription) -> None:
        """Describe the entity and take the state it shows from the last refresh."""
        super().__init__(coordinator)
        self.entity_description = description
        self._shown: tuple[Any, ...] = self._current()

    def _current(self) -> tuple[Any, ...]:
        """Everything the state shows, availability first; compared to skip needless writes."""
        raise NotImplementedError

    @property
    def available(self) -> bool:
        """Whether the last refresh gave this entity a value."""
        return bool(self._shown[0])

    @callback
    def _handle_coordinator_update(self) -> None:
        shown = self._current()
        if shown != self._shown:
            self._shown = shown
            self.async_write_ha_state()


class PylontechStackEntity(PylontechEntity):
    """An entity of the stack device."""

    def __init__(self, coordinator: PylontechCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the stack device."""
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_stack_{description.key}"
        self._attr_device_info = stack_device_info(coordinator)
        super().__init__(coordinator, description)


class PylontechPackEntity(PylontechEntity):
    """An entity of one pack's device; unavailable while that pack does not answer."""

    def __init__(
        self, coordinator: PylontechCoordinator, description: EntityDescription, address: int
    ) -> None:
        """Attach the entity to the device of the pack at `address`."""
        self.address = address
        entry = coordinator.config_entry
        identity = coordinator.identities.get(address)
        master = coordinator.identities.get(coordinator.addresses[0])
        self._attr_unique_id = f"{entry.entry_id}_{address}_{description.key}"
        self._attr_device_info = link_to_stack(
            coordinator,
            DeviceInfo(
                identifiers={pack_identifier(coordinator, address)},
                name=f"{entry.data[CONF_NAME]} {coordinator.pack_word} {coordinator.pack_number(address)}",
                # Where the BMS names no maker or model (PACE slaves answer no identity),
                # the master's maker, else the dialect's; the dialect's name as the model.
                manufacturer=(identity and identity.manufacturer)
                or (master and master.manufacturer)
                or coordinator.dialect.manufacturer,
                model=(identity and identity.model) or coordinator.dialect.brand,
                serial_number=identity.serial_number if identity else None,
                sw_version=identity.software_version if identity else None,
            ),
        )
        super().__init__(coordinator, description)

    @property
    def pack(self) -> PackData | None:
        """This pack's data from the last refresh, if the refresh had it."""
        return self.coordinator.data.packs.get(self.address)
