"""A simulated stack: its packs, and the answer it gives to each request, as real stacks do.

Addressing (protocol.md 2.1, 2.8, 3.1, 3.4):

- Pylontech: each pack answers at its own ADR (2, 3, ...) with its own ADR in the header (a
  per-pack request is answered by the pack its INFO byte names); the master (lowest address)
  answers 0x42/0x44 with INFO 0xFF for every pack, in address order; 0x51 through the link
  returns the master's identity for every address.
- PACE: the master (lowest address, 1) answers for every pack with header ADR of its own and
  the pack in INFO's command byte; 0xC1/0xC2 return the master's identity for every address;
  ADR 0xFF reaches the master (the 0x90 poll of the PylonToMQTT trace), and so does ADR 0 when
  no pack is a stand-alone pack at address 0 (the Gobel add-on's log: an all-packs request to
  ADR 00 answered by the master with ADR 01 for its 8 packs). A request of any VER is
  answered, 0x90 included (SOK packs answer VER 0x20 requests, protocol.md 3.6).
  `only_adr` makes the stack a host port that takes one ADR only, as a master's RS232 port
  addressed as the PACE RS232 document does (ADR 0).

- Seplos: each pack at its own ADR (0, 1, ...) answers with its own data whatever group INFO
  names (a Seplos at ADR 0 answered INFO 01 with group 00: dbus-serialbattery issue 652,
  tests/vectors/seplos-v2-0x20-found.jsonl), and no all-packs answer (INFO 0xFF is for RS232
  only, protocol.md 4.1): RTN 0x05.
- EG4: each pack at its own ADR (1, ...); 0x42/0x44 requests carry no INFO (protocol.md 4.2).
- Boqiang: requests go to ADR 0 and name the pack (1, ...) in INFO; answers keep ADR 0 and
  carry VER 0x26 whatever the request's VER (protocol.md 4.3, 1.5).

A request for an address no pack has gets no answer. A code the dialect has no read command for
(unknown, write or control) gets RTN 0x04; the simulator never changes state. A per-pack command
without its INFO byte, or INFO 0xFF where a stack does not answer for every pack, gets RTN 0x05.
Pylontech answers a request of another VER with RTN 0x01, except 0x4F, which ignores VER (V3.3
3.1); PACE answers whatever the VER, as SOK packs do (protocol.md 1.5).
"""

from __future__ import annotations

from dataclasses import dataclass
import logging
from typing import TYPE_CHECKING

from ...const import DEFAULT_RESPONSE_CODES, INFO_ALL_PACKS, RESPONSE_CODES_BY_VER
from ...dialects import RequestInfo, Wire
from ...models import (
    AlarmInfo,
    AnalogValues,
    Barcode,
    ChargeDischargeManagement,
    ManufacturerInfo,
    PackCount,
    ProtocolVersion,
    Response,
    SerialNumber,
    SoftwareVersion,
    SystemParameters,
)
from ..served import analog_decoder

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ...binary.frame import Frame
    from ...dialects import Dialect
    from ...models import PackAlarmInfo, PackAnalogValues
    from ..pack import SimulatedPack

_LOGGER = logging.getLogger(__name__)

RTN_VER_ERROR = 0x01
RTN_CID2_INVALID = 0x04
RTN_FORMAT_ERROR = 0x05
_ALL_PACKS_COMMANDS = frozenset({"analog_values", "alarm_info"})


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer frame and what it answers."""

    frame: bytes
    code: int
    address: int
    """The ADR in the answer's header."""
    pack: int | None = None
    """The one pack a per-pack answer names (None for other answers)."""


class SimulatedStack:
    """Packs 1..N of one dialect, answering requests at the values of `clock` time."""

    def __init__(
        self,
        dialect: Dialect,
        packs: Sequence[SimulatedPack],
        clock: Callable[[], float],
        *,
        only_adr: int | None = None,
    ) -> None:
        """Serve `packs` (any order; each address once); `clock()` is the simulation time.

        With `only_adr`, requests to any other ADR get no answer.
        """
        self.dialect = dialect
        self.packs = tuple(sorted(packs, key=lambda pack: pack.address))
        self._by_address = {pack.address: pack for pack in self.packs}
        if len(self._by_address) != len(self.packs):
            msg = "two packs share an address"
            raise ValueError(msg)
        self.clock = clock
        self.profile = dialect.typical()
        self._habits = dialect.habits
        self.only_adr = only_adr

    @property
    def master(self) -> SimulatedPack:
        """The pack that answers for the stack: the lowest address."""
        return self.packs[0]

    def pack(self, address: int) -> SimulatedPack:
        """The pack at `address` (KeyError if none)."""
        return self._by_address[address]

    def analog_values(self, address: int) -> PackAnalogValues:
        """What the pack at `address` reports for 0x42 now."""
        return self.pack(address).analog_values(self.clock())

    def alarm_info(self, address: int) -> PackAlarmInfo:
        """What the pack at `address` reports for 0x44 now."""
        return self.pack(address).alarm_info(self.clock())

    def answer(self, request: Frame) -> Reply | None:
        """The reply to `request`, or None for silence (not ours, or no such pack)."""
        dialect = self.dialect
        habits = self._habits
        if request.cid1 != dialect.cid1 or not self._is_request(request):
            return None
        code = request.cid2
        adr = self._pack_reached(request.adr)
        if adr is None:
            return None
        header = self._header(adr)
        command = dialect.commands.get(code)
        if command is None:
            _LOGGER.debug("0x%02X is no read command of %s: RTN 0x04", code, dialect.name)
            return self.error(RTN_CID2_INVALID, code, header)
        if habits.checks_ver and request.ver != dialect.ver and command.name != "protocol_version":
            return self.error(RTN_VER_ERROR, code, header)
        if command.request is RequestInfo.NONE:
            if command.name in _ALL_PACKS_COMMANDS:  # EG4: the pack at this ADR
                return self.pack_answer(code, adr)
            return self._reply(code, self._stack_response(command.name, adr), header)
        return self._per_pack(request, command.name, adr, header)

    def _pack_reached(self, adr: int) -> int | None:
        """The address of the pack a request to ADR `adr` reaches, or None (silence)."""
        if self.only_adr is not None and adr != self.only_adr:
            _LOGGER.debug("the port takes ADR 0x%02X only: silence", self.only_adr)
            return None
        habits = self._habits
        if self.dialect.request_adr is not None:
            if adr != self.dialect.request_adr:
                _LOGGER.debug("not our ADR 0x%02X: silence", adr)
                return None
            adr = self.master.address  # the stack's bus address; INFO names the pack
        at_master = (adr == INFO_ALL_PACKS and habits.master_answers) or (
            adr == 0 and habits.zero_is_master and 0 not in self._by_address
        )
        if at_master:
            adr = self.master.address
        if adr not in self._by_address:
            _LOGGER.debug("no pack at ADR 0x%02X: silence", adr)
            return None
        return adr

    def _is_request(self, frame: Frame) -> bool:
        """Whether `frame` is a request: a stack that ignores VER reads CID2 by its own VER."""
        if self._habits.checks_ver:
            return frame.is_request
        return frame.cid2 not in RESPONSE_CODES_BY_VER.get(self.dialect.ver, DEFAULT_RESPONSE_CODES)

    def _header(self, address: int) -> int:
        """The ADR in the header of an answer for the pack at `address`."""
        if self.dialect.request_adr is not None:
            return self.dialect.request_adr
        return self.master.address if self._habits.master_answers else address

    def _per_pack(self, request: Frame, name: str, adr: int, header: int) -> Reply | None:
        """The answer to a command whose INFO names a pack, or 0xFF for every pack."""
        code = request.cid2
        if not request.info:
            return self.error(RTN_FORMAT_ERROR, code, header)
        selector = request.info[0]
        if selector == INFO_ALL_PACKS:
            at_master = adr == self.master.address or self._habits.master_answers
            if name not in _ALL_PACKS_COMMANDS or not at_master or not self._habits.all_packs:
                return self.error(RTN_FORMAT_ERROR, code, header)
            return self._reply(code, self._all_packs_response(name), header)
        if self._habits.pack_by_adr:  # the pack at ADR answers, whatever INFO names
            return self.pack_answer(code, adr)
        if selector not in self._by_address:
            _LOGGER.debug("no pack %d in the stack: silence", selector)
            return None
        return self.pack_answer(code, selector)

    def pack_answer(self, code: int, address: int) -> Reply:
        """The answer of the pack at `address` to per-pack command `code`."""
        header = self._header(address)
        name = self.dialect.command(code).name
        return self._reply(code, self._pack_response(name, address), header, pack=address)

    def error(self, rtn: int, code: int, address: int) -> Reply:
        """An answer carrying only return code `rtn`, from ADR `address`."""
        return Reply(self.dialect.encode_error(rtn, address=address), code, address)

    def _reply(self, code: int, response: Response, header: int, pack: int | None = None) -> Reply:
        wire = self._wire(response)
        frame = self.dialect.encode_answer(code, response, address=header, wire=wire)
        return Reply(frame, code, header, pack)

    def _wire(self, response: Response) -> Wire:
        """The firmware's choices: the profile's INFOFLAG, each pack's user-defined count."""
        if isinstance(response, AnalogValues):
            default = analog_decoder(self.dialect).user_defined
            counts = []
            for model in response.packs:
                count = self._by_address[model.address or 0].user_defined
                counts.append(default(model) if count is None else count)
            return Wire(infoflag=self.profile.infoflag, user_defined=tuple(counts))
        if isinstance(response, AlarmInfo | SystemParameters):
            return Wire(infoflag=self.profile.infoflag)
        return Wire()

    def _all_packs_response(self, name: str) -> Response:
        t = self.clock()
        if name == "analog_values":
            return AnalogValues(
                all_packs=True, packs=tuple(pack.analog_values(t) for pack in self.packs)
            )
        return AlarmInfo(all_packs=True, packs=tuple(pack.alarm_info(t) for pack in self.packs))

    def _pack_response(self, name: str, address: int) -> Response:
        pack = self.pack(address)
        identity = pack.identity
        if name == "analog_values":
            return AnalogValues(all_packs=False, packs=(pack.analog_values(self.clock()),))
        if name == "alarm_info":
            return AlarmInfo(all_packs=False, packs=(pack.alarm_info(self.clock()),))
        if name == "serial_number":
            return SerialNumber(address=address, serial_number=identity.serial_number)
        if name == "software_version":
            return SoftwareVersion(
                address=address,
                version=identity.software_version,
                manufacturer_version=identity.manufacturer_version,
            )
        if name == "charge_discharge_management":
            return self._management(pack)
        raise NotImplementedError(name)

    def _stack_response(self, name: str, address: int) -> Response:
        master = self.master.identity
        if name == "protocol_version":
            return ProtocolVersion(version=self.dialect.ver)
        if name == "pack_count":
            return PackCount(count=len(self.packs))
        if name == "manufacturer_info":
            return ManufacturerInfo(
                device_name=master.model,
                software_version=master.manufacturer_version,
                manufacturer=master.manufacturer,
            )
        if name == "software_version":
            return SoftwareVersion(version=master.software_version)
        if name == "barcode":
            return Barcode(barcode=master.barcode, build_date=master.build_date)
        if name == "system_parameters" and self.profile.system_parameters is not None:
            return self.profile.system_parameters
        raise NotImplementedError(name)

    def _management(self, pack: SimulatedPack) -> ChargeDischargeManagement:
        """0x92: the profile's limits; charging allowed below 100 % SOC, discharging above 0."""
        limits = self.profile.charge_limits
        assert limits is not None
        soc = pack.analog_values(self.clock()).soc
        soc = 50.0 if soc is None else soc
        return ChargeDischargeManagement(
            address=pack.address,
            charge_voltage_limit=limits.charge_voltage,
            discharge_voltage_limit=limits.discharge_voltage,
            charge_current_limit=limits.charge_current,
            discharge_current_limit=limits.discharge_current,
            charge_enable=soc < 100,
            discharge_enable=soc > 0,
            charge_immediately_1=soc < 10,
            charge_immediately_2=soc < 5,
            full_charge_request=False,
        )
