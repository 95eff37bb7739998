import { capabilityPanels, stateSummary, valueLabel } from './device-controls';

describe('device controls drawn from the capability catalogue', () => {
  it('should offer on/off buttons for a switch and a 0–100 slider for a level', () => {
    const [switchPanel, levelPanel] = capabilityPanels(['switch', 'switchLevel'], { switch: 'off', level: 40 });
    expect(switchPanel.buttons).toEqual([
      { command: 'on', label: 'Turn on' },
      { command: 'off', label: 'Turn off' },
    ]);
    expect(levelPanel.values).toEqual([expect.objectContaining({ command: 'setLevel', isRange: true, min: '0', max: '100', step: '1', current: '40', unit: '%' })]);
    expect(switchPanel.sensors).toEqual([]);
  });

  it('should offer setpoint numbers and a mode choice for a thermostat', () => {
    const [panel] = capabilityPanels(['thermostat'], { heatingSetpoint: 20, coolingSetpoint: 25, thermostatMode: 'heat' });
    expect(panel.values.map((v) => [v.command, v.isNumber, v.isSelect])).toEqual([
      ['setHeatingSetpoint', true, false],
      ['setCoolingSetpoint', true, false],
      ['setThermostatMode', false, true],
    ]);
    expect(panel.values[2].options.find((o) => o.selected)?.value).toBe('heat');
  });

  it('should turn sensor attributes (no commands) into simulator controls, min 0 included', () => {
    const panels = capabilityPanels(['contactSensor', 'battery', 'lock'], { contact: 'open', battery: 80, lock: 'locked' });
    const sensors = panels.flatMap((p) => p.sensors);
    expect(sensors.map((s) => [s.attribute, s.isChoice])).toEqual([
      ['contact', true],
      ['battery', false],
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
});
