import { CAPABILITIES } from '../locations/capabilities';
import { capabilityPanels, stateSummary, valueLabel } from './device-controls';

describe('device controls drawn from the capability catalogue', () => {
  it('should offer on/off buttons for a switch and a 0–100 slider for a level', () => {
    const [switchPanel, levelPanel] = capabilityPanels(['switch', 'switchLevel'], { switch: 'off', level: 40 });
    expect(switchPanel.buttons).toEqual([
      { command: 'on', label: 'Turn on' },
      { command: 'off', label: 'Turn off' },
    ]);
    expect(levelPanel.values).toEqual([expect.objectContaining({ command: 'setLevel', isRange: true, min: '0', max: '100', step: '1', current: '40', unit: '%' })]);
    // its commands reach every value: nothing for the simulator
    expect(switchPanel.sensors).toEqual([]);
    expect(levelPanel.sensors).toEqual([]);
  });

  it('should offer setpoint numbers and a mode choice for a thermostat', () => {
    const [panel] = capabilityPanels(['thermostat'], { heatingSetpoint: 20, coolingSetpoint: 25, thermostatMode: 'heat' });
    expect(panel.values.map((v) => [v.command, v.isNumber, v.isSelect])).toEqual([
      ['setHeatingSetpoint', true, false],
      ['setCoolingSetpoint', true, false],
      ['setThermostatMode', false, true],
      ['setThermostatFanMode', false, true],
    ]);
    expect(panel.buttons.map((b) => b.command)).toEqual(['off', 'heat', 'emergencyHeat', 'cool', 'auto', 'fanOn', 'fanAuto', 'fanCirculate']);
    expect(panel.values[2].options.find((o) => o.selected)?.value).toBe('heat');
  });

  it('should turn attributes commands cannot reach into simulator controls, min 0 included', () => {
    const panels = capabilityPanels(['contactSensor', 'battery', 'lock'], { contact: 'open', battery: 80, lock: 'locked' });
    const sensors = panels.flatMap((p) => p.sensors);
    expect(sensors.map((s) => [s.attribute, s.isChoice])).toEqual([
      ['contact', true],
      ['battery', false],
      // lock() and unlock() never report "unknown"
      ['lock', true],
    ]);
    expect(sensors[0].choices).toEqual([
      { value: 'open', label: 'Open', current: true },
      { value: 'closed', label: 'Closed', current: false },
    ]);
    expect(sensors[1]).toMatchObject({ min: '0', max: '100', current: '80' });
  });

  it('should describe the state in words, once per attribute', () => {
    expect(stateSummary(['thermostat', 'temperatureMeasurement'], { heatingSetpoint: 20, coolingSetpoint: 25, thermostatMode: 'off', temperature: 19.5 })).toEqual([
      { label: 'Heating setpoint', value: '20 °C' },
      { label: 'Cooling setpoint', value: '25 °C' },
      { label: 'Mode', value: 'Off' },
      { label: 'Temperature', value: '19.5 °C' },
    ]);
    expect(valueLabel('active')).toBe('Motion');
    expect(valueLabel(null)).toBe('—');
  });

  it('should cover every capability of the catalogue: a control per command, a simulator control per attribute', () => {
    for (const capability of CAPABILITIES) {
      const [panel] = capabilityPanels([capability.name], capability.initialState);
      expect(panel.title).toBe(capability.title);
      const controlled = [...panel.buttons.map((b) => b.command), ...panel.values.map((v) => v.command)].sort();
      expect(controlled).toEqual(capability.commands.map((c) => c.name).sort());
      // every value of every attribute is reachable: by the simulator, a value control, or one button per value
      const byValueControl = panel.values.map((v) => capability.commands.find((c) => c.name === v.command)?.sets?.attribute ?? 'color');
      const byButtons = (name: string) => panel.buttons.map((b) => capability.commands.find((c) => c.name === b.command)?.sets).filter((x) => x?.attribute === name).map((x) => x?.value);
      for (const attribute of capability.attributes) {
        const reachable =
          panel.sensors.some((c) => c.attribute === attribute.name) ||
          byValueControl.includes(attribute.name) ||
          (attribute.type === 'enum' && attribute.values.every((v) => byButtons(attribute.name).includes(v)));
        expect(`${capability.name}.${attribute.name}: ${reachable}`).toBe(`${capability.name}.${attribute.name}: true`);
      }
    }
  });

  it('should offer a colour picker for setColor and x,y,z text for three axis', () => {
    const [color] = capabilityPanels(['colorControl'], { hue: 10, saturation: 20, color: '#FF8800' });
    expect(color.values.find((v) => v.command === 'setColor')).toMatchObject({ isColor: true, isNumber: false, current: '#FF8800' });
    const [axis] = capabilityPanels(['threeAxis'], { threeAxis: { x: 1, y: -2, z: 1000 } });
    expect(axis.sensors[0]).toMatchObject({ attribute: 'threeAxis', isText: true, current: '1,-2,1000' });
    expect(valueLabel({ x: 1, y: -2, z: 1000 })).toBe('x 1, y -2, z 1000');
  });
});
